fn main() -> std::process::ExitCode {
    amitools::run(std::env::args_os())
}

/// Whether stdout was closed when the process started (`amitools create >&-`).
/// Rust's runtime reopens a closed descriptor 0–2 on /dev/null before `main`,
/// so the question must be asked earlier: this constructor runs from the ELF
/// `.init_array`, before the runtime starts. Elsewhere `Stdout` asks at `main`.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static NOTE_CLOSED_STDOUT: extern "C" fn() = {
    extern "C" fn note_closed_stdout() {
        // SAFETY: F_GETFD only reads the descriptor's flags; -1 means it is not open.
        if unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1 {
            amitools::STDOUT_CLOSED_AT_START.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    note_closed_stdout
};
