"""One module per ``poetry codeartifact`` command."""
