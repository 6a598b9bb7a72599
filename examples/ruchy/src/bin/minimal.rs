ruchy_lambda::include_ruchy!("minimal");
