"""Reading reports: file formats (with bounded decompression), normalisation into canonical text, the corpus folder."""
