#include "isometry/core/free_cores.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#ifdef __linux__
#include <sched.h>
#endif

namespace isometry {
namespace {

// Long enough for /proc/stat's tick accounting (10 ms ticks) to resolve one busy core out of
// two to about ±10 %, short enough to follow a competitor that starts or stops.
constexpr double kWindowSeconds = 0.05;

double seconds(clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

std::vector<int> affinity_cpus() {
    std::vector<int> cpus;
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        for (int c = 0; c < CPU_SETSIZE; ++c) {
            if (CPU_ISSET(c, &set)) cpus.push_back(c);
        }
    }
#endif
    return cpus;
}

// Busy ticks (user + nice + system + irq + softirq + steal) summed over `cpus`, from /proc/stat;
// false when it cannot be read.
bool busy_ticks(const std::vector<int>& cpus, double& busy) {
    std::FILE* f = std::fopen("/proc/stat", "r");
    if (f == nullptr) return false;
    char line[512];
    busy = 0;
    std::size_t found = 0;
    while (std::fgets(line, sizeof(line), f) != nullptr) {
        if (std::strncmp(line, "cpu", 3) != 0) break;  // the cpu lines come first
        if (line[3] < '0' || line[3] > '9') continue;  // the "cpu " total line
        int cpu = -1;
        unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                           steal = 0;
        if (std::sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &user, &nice, &system,
                        &idle, &iowait, &irq, &softirq, &steal) < 8) {
            continue;
        }
        if (std::binary_search(cpus.begin(), cpus.end(), cpu)) {
            busy += static_cast<double>(user + nice + system + irq + softirq + steal);
            ++found;
        }
    }
    std::fclose(f);
    return found == cpus.size();
}

struct Estimator {
    std::mutex mutex;
    std::vector<int> cpus = affinity_cpus();
    double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
    std::atomic<bool> readable{!cpus.empty() && ticks_per_second > 0};
    // The start of the current window.
    double wall = 0, own = 0, busy = 0;
    bool started = false;
    std::atomic<int> estimate{0};  // 0: none yet
    std::atomic<double> next_refresh{0};

    int usable() const { return cpus.empty() ? 1 : static_cast<int>(cpus.size()); }

    void refresh() {
        const std::lock_guard<std::mutex> lock(mutex);
        const double now = seconds(CLOCK_MONOTONIC);
        if (now < next_refresh.load(std::memory_order_relaxed)) return;  // another thread did
        double ticks = 0;
        if (!busy_ticks(cpus, ticks)) {
            readable.store(false, std::memory_order_relaxed);
            return;
        }
        const double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
        if (started && now > wall) {
            const double others = (ticks - busy) / ticks_per_second - (cpu - own);
            const long busy_cores = std::lround(std::max(0.0, others) / (now - wall));
            estimate.store(
                static_cast<int>(std::clamp(usable() - busy_cores, 1L, static_cast<long>(usable()))),
                std::memory_order_relaxed);
        }
        wall = now;
        own = cpu;
        busy = ticks;
        started = true;
        next_refresh.store(now + kWindowSeconds, std::memory_order_relaxed);
    }
};

Estimator& estimator() {
    static Estimator instance;
    return instance;
}

}  // namespace

int usable_cores() {
    return estimator().usable();
}

int free_cores() {
    Estimator& e = estimator();
    if (!e.readable.load(std::memory_order_relaxed)) return e.usable();
    if (seconds(CLOCK_MONOTONIC) >= e.next_refresh.load(std::memory_order_relaxed)) e.refresh();
    const int value = e.estimate.load(std::memory_order_relaxed);
    return value > 0 ? value : e.usable();  // no finished window yet: assume an idle machine
}

}  // namespace isometry
