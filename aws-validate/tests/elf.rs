//! With `RUCHY_LAMBDA_BOOTSTRAP=path/to/bootstrap` set, checks that a built bootstrap needs no
//! glibc newer than 2.34, the version of Lambda's provided.al2023 image, with the local Lambda's
//! ELF reader (`ruchy_lambda_local::elf`, the one `ruchy-lambda-local package` runs).

use ruchy_lambda_local::elf;

#[test]
fn bootstrap_needs_at_most_glibc_2_34() {
    let Some(path) = std::env::var_os("RUCHY_LAMBDA_BOOTSTRAP") else {
        println!("skipped: RUCHY_LAMBDA_BOOTSTRAP is not set (no bootstrap to check)");
        return;
    };
    let bytes = std::fs::read(&path).expect("read RUCHY_LAMBDA_BOOTSTRAP");
    let needs = elf::required_versions(&bytes).expect("RUCHY_LAMBDA_BOOTSTRAP is an ELF64 LE file");
    let highest = elf::max_glibc_version(&needs);
    println!(
        "{}: {needs:?}, highest glibc {highest:?}",
        path.to_string_lossy()
    );
    assert!(
        highest <= Some((2, 34, 0)),
        "{} needs glibc {highest:?}, newer than 2.34",
        path.to_string_lossy()
    );
}
