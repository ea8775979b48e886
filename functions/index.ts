/** The deployed inference functions: adding one is adding its file and a line here. */
import type { InferenceFunction } from "../src/functions/define";
import textDetect from "./text-detect";
import textOrientation from "./text-orientation";
import vad from "./vad";

export const functions: InferenceFunction[] = [vad, textOrientation, textDetect] as InferenceFunction[];
