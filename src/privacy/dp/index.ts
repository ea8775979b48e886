/** Differential privacy for usage statistics: exact discrete noise and a zCDP accountant (see types.ts). */
export { discreteGaussian } from "./discrete-gaussian";
export { discreteLaplace } from "./discrete-laplace";
export { gaussianInterval, laplaceInterval } from "./interval";
export { discreteGaussianPmf, discreteLaplacePmf } from "./pmf";
export { CryptoRandomSource, cryptoRandom } from "./random";
export { parseRational, rational, rationalFromDouble, toNumber } from "./rational";
export type { RandomSource, Rational } from "./types";
export { composeRho, gaussianRho, laplaceEpsilon, pureDpRho, sigma2ForRho, zcdpToApproxDp } from "./zcdp";
