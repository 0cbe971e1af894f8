"""Text rules shared by excerpts and blurbs: sentences, sentence shape, page furniture."""
