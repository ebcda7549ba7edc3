/* Runs the compiled motion detector on raw int64 frames read from files; prints one line
 * per frame. Shows the whole C ABI: the generated header, the workspace, the status. */
#include <stdio.h>
#include <stdint.h>
#include "seed_motion.h"

static int64_t frame[300 * 400 * 3];
/* the workspace: caller-owned, 16-byte aligned, size known at compile time */
static union { unsigned char bytes[SEED_MOTION_WORKSPACE_BYTES + 1]; long double align; } ws;

int main(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        uint8_t still = 0;
        int status;
        FILE *f = fopen(argv[i], "rb");
        if (!f || fread(frame, sizeof frame, 1, f) != 1) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 2;
        }
        fclose(f);
        status = seed_motion_run(frame, &still, ws.bytes);
        if (status != O2C_OK) {
            fprintf(stderr, "seed_motion_run failed: %d\n", status);
            return 1;
        }
        printf("%s %s\n", argv[i], still ? "still" : "motion");
    }
    return 0;
}
