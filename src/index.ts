/** The worker entry point: the app with the functions in `functions/`. */
import { functions } from "../functions";
import { createApp } from "./app";

export default createApp({ functions });
export { RateLimiter } from "./ratelimit/durable-object";
