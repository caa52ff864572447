/**
 * workerd's extension of WebCrypto, used by the edge (edge/channels/verify.ts). The Node-side type
 * check sees edge modules through the tests, so it needs the declaration; at run time the code runs
 * in workerd only.
 */
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}
