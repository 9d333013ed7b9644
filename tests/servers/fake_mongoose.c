/* Test double for the compiled part of pymongoose: only the Mongoose global
 * the demo app turns off. Nonzero at load, as in the real library. */
int mg_log_level = 3;
