inline int Other();
