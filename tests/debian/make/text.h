void print_bar(const char *label, double value, double max);
