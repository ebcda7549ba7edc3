/* o2c_nms.h: the box overlap test of NonMaxSuppression. */
#ifndef O2C_NMS_H
#define O2C_NMS_H

/* Box b's extent: [y1, x1, y2, x2] with the corners in either order, or with center set
 * [x_center, y_center, width, height]. */
static inline void o2c_box_extent(const float *b, int center, float *y0, float *x0, float *y1,
                                  float *x1)
{
    if (center) {
        *x0 = b[0] - b[2] / 2.0f;
        *x1 = b[0] + b[2] / 2.0f;
        *y0 = b[1] - b[3] / 2.0f;
        *y1 = b[1] + b[3] / 2.0f;
    } else {
        *y0 = b[0] >= b[2] ? b[2] : b[0];
        *y1 = b[0] >= b[2] ? b[0] : b[2];
        *x0 = b[1] >= b[3] ? b[3] : b[1];
        *x1 = b[1] >= b[3] ? b[1] : b[3];
    }
}

/* Whether boxes a and b overlap by more than iou_threshold (intersection over union).
 * Float arithmetic in the ONNX reference's order, so boundary cases agree with it. */
static inline int o2c_nms_suppress(const float *a, const float *b, int center,
                                   float iou_threshold)
{
    float ay0, ax0, ay1, ax1, by0, bx0, by1, bx1, ix0, ix1, iy0, iy1, inter, area_a, area_b;
    o2c_box_extent(a, center, &ay0, &ax0, &ay1, &ax1);
    o2c_box_extent(b, center, &by0, &bx0, &by1, &bx1);
    ix0 = ax0 >= bx0 ? ax0 : bx0;
    ix1 = ax1 <= bx1 ? ax1 : bx1;
    if (ix1 <= ix0) return 0;
    iy0 = ay0 >= by0 ? ay0 : by0;
    iy1 = ay1 <= by1 ? ay1 : by1;
    if (iy1 <= iy0) return 0;
    inter = (ix1 - ix0) * (iy1 - iy0);
    area_a = (ax1 - ax0) * (ay1 - ay0);
    area_b = (bx1 - bx0) * (by1 - by0);
    if (inter <= 0 || area_a <= 0 || area_b <= 0 || area_a + area_b - inter <= 0) return 0;
    return inter / (area_a + area_b - inter) > iou_threshold;
}

#endif
