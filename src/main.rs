use std::process::ExitCode;

fn main() -> ExitCode {
    refdesk::cli::main()
}
