//! Release builds only: let the linker fold identical functions. The AWS
//! SDK's generated code repeats itself (one serializer per shape, per
//! service); folding the copies takes the binary under 6 MB.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("PROFILE").as_deref() == Ok("release")
        && std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
    {
        // rustc links x86_64 Linux binaries with its bundled LLD, which understands this.
        println!("cargo:rustc-link-arg-bins=-Wl,--icf=all");
    }
}
