/**
 * modifier1 values naming this project's protocol families. uWSGI uses 0..~120 for its
 * request plugins and a few high values; these two are unused by uWSGI.
 *
 * @module
 */

/** modifier1 of the pzog ring protocol (org.xlattice.pzog). */
export const RING_MODIFIER1 = 222;

/** modifier1 of the Zeus protocol (zeus ↔ emperor). */
export const ZEUS_MODIFIER1 = 223;
