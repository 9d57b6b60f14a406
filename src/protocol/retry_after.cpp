// Retry-After (RFC 9110 10.2.3): delay-seconds or one of the three HTTP-date
// forms. Servers in front of LLMs send all of them, so the date reader is as
// lenient as the grammar allows without guessing.
#include "http_response.h"

#include "http_text.h"

#include <algorithm>

namespace realm::protocol {
namespace {

using http_text::iequals;
using http_text::is_digit;
using http_text::trim_ows;

// Retry-After values beyond this are clamped (a server asking for more than a
// day is treated as asking for a day; nothing overflows).
constexpr int64_t kMaxRetryAfterSeconds = 24 * 60 * 60;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + int64_t(doe) - 719468;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
    static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

constexpr std::string_view kMonths[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::string_view kShortDays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::string_view kLongDays[7] = {"monday", "tuesday", "wednesday", "thursday",
                                           "friday", "saturday", "sunday"};

// A cursor over an HTTP-date. Names are matched ignoring case (RFC 9110 makes
// them case-sensitive; a lenient reader loses nothing).
struct DateReader {
    std::string_view s;
    size_t i = 0;

    bool lit(char c) {
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    bool word(std::string_view w) {
        if (s.size() - i >= w.size() && iequals(s.substr(i, w.size()), w)) {
            i += w.size();
            return true;
        }
        return false;
    }
    std::string_view letters() {
        size_t b = i;
        while (i < s.size() && ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')) ++i;
        return s.substr(b, i - b);
    }
    // Exactly `min_n`..`max_n` digits.
    bool digits(size_t min_n, size_t max_n, int *out) {
        size_t b = i;
        int v = 0;
        while (i < s.size() && is_digit(s[i]) && i - b < max_n) v = v * 10 + (s[i++] - '0');
        if (i - b < min_n || (i < s.size() && is_digit(s[i]))) return false;
        *out = v;
        return true;
    }
    bool month(unsigned *m) {
        std::string_view w = letters();
        for (unsigned k = 0; k < 12; ++k)
            if (iequals(w, kMonths[k])) {
                *m = k + 1;
                return true;
            }
        return false;
    }
    bool time(int *h, int *mi, int *se) {
        return digits(2, 2, h) && lit(':') && digits(2, 2, mi) && lit(':') && digits(2, 2, se) && *h <= 23 &&
               *mi <= 59 && *se <= 60;
    }
    bool at_end() const { return i == s.size(); }
};

bool one_of(std::string_view w, const std::string_view *names, size_t n) {
    for (size_t k = 0; k < n; ++k)
        if (iequals(w, names[k])) return true;
    return false;
}

int64_t year_of(std::time_t t) {
    int64_t days = int64_t(t) / 86400 - (int64_t(t) % 86400 < 0);
    // Inverse of days_from_civil, year only.
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = unsigned(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return int64_t(yoe) + era * 400 + (m <= 2);
}

// Parses the three HTTP-date forms; returns false on anything else.
bool parse_http_date(std::string_view s, std::time_t now, int64_t *unix_seconds) {
    DateReader r{s};
    std::string_view day_name = r.letters();
    int day = 0, year = 0, h = 0, mi = 0, se = 0;
    unsigned month = 0;
    int64_t full_year;
    if (r.lit(',')) {
        if (one_of(day_name, kShortDays, 7)) {
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            if (!(r.lit(' ') && r.digits(1, 2, &day) && r.lit(' ') && r.month(&month) && r.lit(' ') &&
                  r.digits(4, 4, &year) && r.lit(' ') && r.time(&h, &mi, &se) && r.lit(' ') && r.word("GMT") &&
                  r.at_end()))
                return false;
            full_year = year;
        } else if (one_of(day_name, kLongDays, 7)) {
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            if (!(r.lit(' ') && r.digits(1, 2, &day) && r.lit('-') && r.month(&month) && r.lit('-') &&
                  r.digits(2, 2, &year) && r.lit(' ') && r.time(&h, &mi, &se) && r.lit(' ') && r.word("GMT") &&
                  r.at_end()))
                return false;
            // RFC 9110 5.6.7: a two-digit year more than 50 years ahead is in the past century.
            int64_t now_year = year_of(now);
            full_year = now_year - now_year % 100 + year;
            if (full_year > now_year + 50) full_year -= 100;
        } else {
            return false;
        }
    } else if (one_of(day_name, kShortDays, 7)) {
        // asctime: Sun Nov  6 08:49:37 1994
        if (!(r.lit(' ') && r.month(&month) && r.lit(' '))) return false;
        r.lit(' ');  // a one-digit day is padded with a space
        if (!(r.digits(1, 2, &day) && r.lit(' ') && r.time(&h, &mi, &se) && r.lit(' ') && r.digits(4, 4, &year) &&
              r.at_end()))
            return false;
        full_year = year;
    } else {
        return false;
    }
    if (day < 1 || unsigned(day) > days_in_month(full_year, month)) return false;
    *unix_seconds = days_from_civil(full_year, month, unsigned(day)) * 86400 + h * 3600 + mi * 60 + se;
    return true;
}

}  // namespace

int64_t parse_retry_after_ms(std::string_view value, std::time_t now) {
    value = trim_ows(value);
    if (value.empty()) return -1;
    if (is_digit(value[0])) {
        int64_t seconds = 0;
        for (char c : value) {
            if (!is_digit(c)) return -1;
            if (seconds <= kMaxRetryAfterSeconds) seconds = seconds * 10 + (c - '0');
        }
        return std::min(seconds, kMaxRetryAfterSeconds) * 1000;
    }
    int64_t at;
    if (!parse_http_date(value, now, &at)) return -1;
    int64_t delta = at - int64_t(now);
    if (delta <= 0) return 0;
    return std::min(delta, kMaxRetryAfterSeconds) * 1000;
}

}  // namespace realm::protocol
