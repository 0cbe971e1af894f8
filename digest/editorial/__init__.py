"""The editor's choices: which articles, their excerpts, their authors' blurbs -> Edition."""
