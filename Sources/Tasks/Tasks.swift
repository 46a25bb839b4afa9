// Tasks module.
