fn main() {
    ruchy_lambda_build::transpile_dir(".");
}
