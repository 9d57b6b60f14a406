// RequestIndex (the router's sent requests by wire id): the same answers as a
// std::map under long random runs of inserts and erases, with the ids the
// core makes ("r<n>", retries "r<n>~<k>") and arbitrary ones.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/request_index.h"

namespace {

using realm::core::RequestIndex;

struct Requests {
    std::vector<std::unique_ptr<realm_request>> owned;
    realm_request *make(const std::string &id, const std::string &retry_id = "") {
        owned.push_back(std::make_unique<realm_request>());
        owned.back()->id = id;
        owned.back()->set_retry_id(retry_id);
        return owned.back().get();
    }
};

// Checks every id ever used: present ones are found (the same request),
// absent ones are not, and the sizes agree.
void expect_same(const RequestIndex &index, const std::map<std::string, realm_request *> &model,
                 const std::vector<std::string> &ids) {
    ASSERT_EQ(index.size(), model.size());
    for (const auto &id : ids) {
        auto it = model.find(id);
        ASSERT_EQ(index.find(id), it == model.end() ? nullptr : it->second) << id;
    }
    size_t seen = 0;
    index.for_each([&](realm_request *req) {
        ++seen;
        EXPECT_EQ(model.at(std::string(req->wire_id())), req);
    });
    EXPECT_EQ(seen, model.size());
}

TEST(RequestIndex, EmptyFindsNothingAndErasesNothing) {
    RequestIndex index;
    EXPECT_EQ(index.find("r1"), nullptr);
    EXPECT_EQ(index.find(""), nullptr);
    EXPECT_FALSE(index.erase("r1"));
    EXPECT_EQ(index.size(), 0u);
}

TEST(RequestIndex, SequentialIdsInAndOutOfOrder) {
    Requests reqs;
    RequestIndex index;
    std::map<std::string, realm_request *> model;
    std::vector<std::string> ids;
    for (int i = 1; i <= 5000; ++i) {
        ids.push_back("r" + std::to_string(i));
        auto *req = reqs.make(ids.back());
        index.insert(req);
        model[ids.back()] = req;
    }
    expect_same(index, model, ids);
    // Erase every third from the middle, then the rest from both ends.
    for (int i = 2; i < 5000; i += 3) {
        EXPECT_TRUE(index.erase(ids[i]));
        model.erase(ids[i]);
    }
    expect_same(index, model, ids);
    for (size_t lo = 0, hi = ids.size() - 1; lo < hi; ++lo, --hi) {
        for (size_t k : {lo, hi})
            if (model.erase(ids[k])) { EXPECT_TRUE(index.erase(ids[k])); }
    }
    expect_same(index, model, ids);
    EXPECT_FALSE(index.erase("r2"));
}

TEST(RequestIndex, RandomChurnWithRetryAndArbitraryIds) {
    Requests reqs;
    RequestIndex index;
    std::map<std::string, realm_request *> model;
    std::vector<std::string> ids;
    std::mt19937 rng(12345);
    int next = 1;
    for (int step = 0; step < 60000; ++step) {
        unsigned pick = rng() % 10;
        if (pick < 5 || model.empty()) {
            // A new request: mostly the core's ids, some retries, some odd
            // ones (no digits, only digits, empty, long, NUL inside).
            std::string id, retry;
            switch (rng() % 8) {
                case 0: id = "r" + std::to_string(next++); retry = id + "~" + std::to_string(1 + rng() % 3); break;
                case 1: id = std::string("x\0y", 3) + std::to_string(rng() % 50000); break;
                case 2: id = std::to_string(rng()); break;
                case 3: id = std::string(1 + rng() % 40, char('a' + rng() % 26)); break;
                default: id = "r" + std::to_string(next++); break;
            }
            const std::string key = retry.empty() ? id : retry;
            if (model.count(key)) continue;
            auto *req = reqs.make(id, retry);
            index.insert(req);
            model[key] = req;
            ids.push_back(key);
        } else {
            auto it = model.begin();
            std::advance(it, rng() % model.size());
            EXPECT_TRUE(index.erase(it->first));
            model.erase(it);
        }
        if (step % 5000 == 0) expect_same(index, model, ids);
    }
    expect_same(index, model, ids);
}

TEST(RequestIndex, NeighbouringIdsHashToNeighbouringValues) {
    // What keeps lookups cache-friendly: "r<n>" and "r<n+1>" sit side by side.
    EXPECT_EQ(RequestIndex::hash("r1001"), RequestIndex::hash("r1000") + 1);
    EXPECT_EQ(RequestIndex::hash("r123457"), RequestIndex::hash("r123456") + 1);
    EXPECT_NE(RequestIndex::hash("r5"), RequestIndex::hash("c5"));
    EXPECT_NE(RequestIndex::hash("r5~1"), RequestIndex::hash("r6~1"));
    // Across a change in the number of digits too: "r999" and "r1000" were
    // unrelated hashes once, so each decade of ids was a run of its own at
    // a random place, and the runs overlapped.
    EXPECT_EQ(RequestIndex::hash("r1000"), RequestIndex::hash("r999") + 1);
    EXPECT_EQ(RequestIndex::hash("r10"), RequestIndex::hash("r9") + 1);
}

TEST(RequestIndex, TheCoresIdsSitAtTheirHomeSlotsWhateverTheirCount) {
    // 20,000 streams in flight on one client, sent in order, ending in about
    // that order while new ones are sent: every lookup reads one slot. (With
    // the decades of ids overlapping, entries sat up to 139 slots from home at
    // 10,000 in flight, 69 on average: a lookup read 17 cache lines.)
    Requests reqs;
    RequestIndex index;
    std::vector<realm_request *> sent;
    for (int n = 1; n <= 20000; ++n) {
        sent.push_back(reqs.make("r" + std::to_string(n)));
        index.insert(sent.back());
        ASSERT_EQ(index.max_displacement(), 0u) << "after inserting r" << n;
        if (n > 15000 && n % 3 == 0) {  // the oldest one ends
            realm_request *oldest = sent[size_t(n - 15000)];
            ASSERT_TRUE(index.erase(oldest->id));
        }
    }
    EXPECT_EQ(index.max_displacement(), 0u);
    size_t present = 0;
    for (realm_request *req : sent) {
        realm_request *found = index.find(req->id);
        EXPECT_TRUE(found == nullptr || found == req) << req->id;
        present += found != nullptr;
    }
    EXPECT_EQ(present, index.size());
}

}  // namespace
