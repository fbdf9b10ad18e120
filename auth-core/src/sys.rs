//! The crate's only `unsafe` code: three Linux calls through `libc` (and two read-only ones for
//! tests), each behind a safe function. Every other module is under `unsafe_code = "deny"`.
#![allow(unsafe_code)]

/// The coarse real-time clock in whole seconds (a few milliseconds of resolution, several
/// times cheaper than the precise clock); `None` off Linux or if the call fails.
pub(crate) fn coarse_unix_seconds() -> Option<i64> {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; CLOCK_REALTIME_COARSE exists on every
        // Linux since 2.6.32.
        if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) } == 0 {
            return Some(ts.tv_sec);
        }
    }
    None
}

/// Puts the calling thread under Linux `SCHED_IDLE`; `false` if refused or not on Linux.
pub(crate) fn set_idle_scheduling() -> bool {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: sched_setscheduler reads `param` (valid, initialised) for the calling thread
        // (pid 0); it writes nothing of ours.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// Sets the calling thread's nice value (Linux; elsewhere nothing). Failure leaves the
/// priority unchanged, which is harmless.
pub(crate) fn set_nice(nice: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its arguments; on Linux `who = 0` with PRIO_PROCESS means
    // the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, nice);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// The calling thread's scheduling policy and nice value (Linux), for tests.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn scheduling() -> (i32, i32) {
    // SAFETY: both calls only read the calling thread's scheduling state.
    unsafe {
        (
            libc::sched_getscheduler(0),
            libc::getpriority(libc::PRIO_PROCESS, 0),
        )
    }
}
