/* Keyword spotting on a board, in miniature: read a 49x10 MFCC frame (float32), run the
 * compiled DS-CNN, print the 12 logits and the winning class. */
#include <stdio.h>
#include "kws.h"

static float mfcc[49 * 10];
static float logits[12];
static union { unsigned char bytes[KWS_WORKSPACE_BYTES + 1]; long double align; } ws;

int main(int argc, char **argv)
{
    FILE *f;
    int i, best = 0, status;
    if (argc != 2 || !(f = fopen(argv[1], "rb")) || fread(mfcc, sizeof mfcc, 1, f) != 1) {
        fprintf(stderr, "usage: kws MFCC.bin (490 float32 values)\n");
        return 2;
    }
    fclose(f);
    status = kws_run(mfcc, logits, ws.bytes);
    if (status != O2C_OK) {
        fprintf(stderr, "kws_run failed: %d\n", status);
        return 1;
    }
    for (i = 0; i < 12; i++) {
        printf("%.9g\n", logits[i]);
        if (logits[i] > logits[best]) best = i;
    }
    fprintf(stderr, "class %d\n", best);
    return 0;
}
