fn main() -> std::process::ExitCode {
    amitools::run(std::env::args_os())
}
