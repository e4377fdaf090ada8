//! Handing memory back to the system after large, short-lived work.

/// The allocator (mimalloc, in the binary) keeps freed pages for reuse and returns them only
/// while it is busy allocating: after building the FAQ index and calibrating it, an idle
/// service held on to some 50 MB it no longer used. Called after such work; cheap otherwise.
pub fn release_unused() {
    // SAFETY: `mi_collect` only walks mimalloc's own heaps and may be called from any thread
    // at any time; when mimalloc is not the global allocator (the tests) it finds nothing.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
