//! The `terrain` binary.

/// mimalloc keeps the resident memory of many SQLite worker threads low, where the system
/// allocator keeps one arena per thread.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    terrain_cli::commands::main()
}
