//! Handing memory back to the system after large, short-lived work.

/// The allocator (mimalloc, in the binary) keeps freed pages for reuse and returns them only
/// while it is busy allocating: after building the FAQ index and calibrating it, an idle
/// service held on to some 50 MB it no longer used. Called after such work; cheap otherwise.
pub fn release_unused() {
    // SAFETY: `mi_collect` only walks mimalloc's own heaps and may be called from any thread
    // at any time; when mimalloc is not the global allocator (the tests) it finds nothing.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Turns transparent huge pages off for this process. mimalloc reserves its arenas before
/// `main` and, where the kernel offers huge pages (`madvise` mode here), they are backed by
/// 2 MiB pages: a serving instance then held ~175 MB where it needs ~75 MB
/// (docs/benchmarks.md). mimalloc's own switch (`MIMALLOC_ALLOW_THP=0`) is read before
/// `main` runs, so the process asks the kernel itself; pages faulted from now on are small.
/// Call first thing in `main`.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only this process's
    // memory policy; a kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
