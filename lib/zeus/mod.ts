/**
 * zeus's pure rules for embedders: placement of vassal copies on emperors.
 *
 * @module
 */
export { choose, placeAll, type Slot, type Want } from "./placement.ts";
