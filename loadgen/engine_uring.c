/* Built without liburing: the uring engine is not available
 * (lg_check_options says so before any of this is called). */
#include "loadgen/lg_internal.h"

const bool lg_uring_built = false;
const struct lg_engine_ops lg_uring_ops = { 0 };
