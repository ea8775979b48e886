/** The deployed inference functions: adding one is adding its file and a line here. */
import type { InferenceFunction } from "../src/functions/define";
import digits from "./digits";
import textDetect from "./text-detect";
import textOrientation from "./text-orientation";
import vad from "./vad";

/** As declared, so each keeps its name, input and output types (the typed client reads them). */
export const deployedFunctions = [vad, textOrientation, textDetect, digits] as const;

export const functions = deployedFunctions as readonly InferenceFunction[] as InferenceFunction[];
