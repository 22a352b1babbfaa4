int Other() { return 1; }
