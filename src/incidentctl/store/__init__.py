"""Loading the repository: files to records with a lazy source map."""
