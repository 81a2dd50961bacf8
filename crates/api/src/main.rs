//! The `terrain` binary.

fn main() -> std::process::ExitCode {
    terrain_api::cli::main()
}
