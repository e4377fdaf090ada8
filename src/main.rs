use std::process::ExitCode;

// Indexing and the async runtime allocate from several threads at once; mimalloc keeps that
// fast and the catalogue import's memory low (measured in docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    refdesk::memory::no_huge_pages();
    refdesk::cli::main()
}
