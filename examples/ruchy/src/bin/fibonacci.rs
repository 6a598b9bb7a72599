ruchy_lambda::include_ruchy!("fibonacci");
