int Talk() { return 2; }
