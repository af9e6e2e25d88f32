"""The pytest plugin shared by the hidden suites and the labs' visible tests."""
