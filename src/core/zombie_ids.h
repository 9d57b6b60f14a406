// Ids of requests that ended here while the server may still send frames for
// them (cancelled or failed after being sent, and our cancel frames' ids).
// Their late frames are dropped; the terminal frame retires the id.
//
// The order list and the index always hold exactly the live ids: retiring
// frees the entry at once in O(1). (A queue cleaned only by the cap kept every
// retired id until 65,536 of them, ~3 MB per client that cancels a lot.)
// The cap still bounds ids whose last frame never comes: past it the oldest
// is forgotten.
#pragma once

#include <cstddef>
#include <iterator>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace realm::core {

class ZombieIds {
public:
    explicit ZombieIds(size_t cap) : cap_(cap) {}

    bool empty() const { return index_.empty(); }
    size_t size() const { return index_.size(); }
    // Entries in the order list: equal to size(); tests check that nothing
    // retired lingers there.
    size_t held() const { return order_.size(); }
    bool contains(std::string_view id) const { return index_.count(id) != 0; }

    void add(const std::string &id) {
        if (contains(id)) return;
        order_.push_back(id);
        index_.emplace(std::string_view(order_.back()), std::prev(order_.end()));
        while (index_.size() > cap_) {
            index_.erase(std::string_view(order_.front()));
            order_.pop_front();
        }
    }

    // Forgets `id`; false if it was not a zombie.
    bool retire(std::string_view id) {
        auto it = index_.find(id);
        if (it == index_.end()) return false;
        auto node = it->second;
        index_.erase(it);  // before the string its key views
        order_.erase(node);
        return true;
    }

    void clear() {
        index_.clear();
        order_.clear();
    }

private:
    size_t cap_;
    std::list<std::string> order_;  // oldest first; list nodes keep the index's keys valid
    std::unordered_map<std::string_view, std::list<std::string>::iterator> index_;
};

}  // namespace realm::core
