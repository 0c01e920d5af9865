#pragma once
// How many of this process's cores other processes leave free: the measurement behind thread
// adaptation (threads.hpp).
//
// Under contention a team of threads that is larger than the free cores is slower than a team
// of the free size, often slower than one thread: a thread that shares its core with another
// process holds up every synchronisation of the team (measured in benchmarks/compare.py, section
// "contention"). So each team is sized to the cores not busy with other processes' work.
//
// The estimate follows what `top` does: busy time of the CPUs in this process's affinity set
// from /proc/stat, minus this process's own CPU time, over the last window of at least
// kWindowSeconds, divided by the window's length = cores busy with other work. Windows are
// refreshed lazily by the calls that ask, so an idle process reads nothing. Off Linux (no
// /proc/stat) every usable core counts as free.

namespace isometry {

// Usable cores (the affinity set) minus the cores other processes kept busy over the last
// window, rounded to the nearest integer, at least 1.
int free_cores();
// The number of cores in this process's affinity set.
int usable_cores();

}  // namespace isometry
