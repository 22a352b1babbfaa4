inline int Talk();
