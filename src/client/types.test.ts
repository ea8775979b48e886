/** Type-level checks: `tsc -p .` (npm test) fails if they do not hold; at run time they do nothing. */
import { describe, expectTypeOf, it } from "vitest";
import { createClient, type OutputTensor } from "./index";

const client = createClient({ baseUrl: "http://bastion.invalid", token: "unused" });

describe("the client's types", () => {
  it("derives each function's request and response from its schemas", () => {
    expectTypeOf<Awaited<ReturnType<typeof client.fn<"vad">>>>().toEqualTypeOf<{
      speechProbability: number;
      speech: boolean;
      state: string;
    }>();
    expectTypeOf<Parameters<typeof client.fn<"vad">>[1]>().toEqualTypeOf<{
      audio: number[];
      state?: string | undefined;
      threshold?: number | undefined;
    }>();
    expectTypeOf<Awaited<ReturnType<typeof client.fn<"text-orientation">>>["label"]>().toEqualTypeOf<"0" | "180">();
    expectTypeOf<Parameters<typeof client.fn<"text-detect">>[1]>().toEqualTypeOf<
      { png: string } | { height: number; width: number; tensor: number[] }
    >();
  });

  it("refuses an unknown function and a wrong input", () => {
    // Never run: these lines exist for the type checker.
    const unsent = () => {
      // @ts-expect-error: there is no function "vda"
      client.fn("vda", { audio: [] });
      // @ts-expect-error: audio is numbers
      client.fn("vad", { audio: "loud" });
      // @ts-expect-error: text-detect takes a PNG or a tensor, not audio
      client.fn("text-detect", { audio: [0] });
      // @ts-expect-error: no OIP model of that name either
      client.infer("vda", { inputs: [] });
    };
    expectTypeOf(unsent).toBeFunction();
  });

  it("takes another deployment's function map", () => {
    type Echo = { echo: { input: { text: string }; output: { text: string; length: number } } };
    const other = createClient<Echo>({ baseUrl: "http://other.invalid", token: "unused" });
    expectTypeOf<Awaited<ReturnType<typeof other.fn<"echo">>>>().toEqualTypeOf<{ text: string; length: number }>();
    const unsent = () => {
      // @ts-expect-error: this deployment has no vad
      other.fn("vad", { audio: [] });
    };
    expectTypeOf(unsent).toBeFunction();
  });

  it("narrows an OIP output's typed array by its datatype", () => {
    const narrow = (output: OutputTensor) => {
      if (output.datatype === "FP32") expectTypeOf(output.data).toEqualTypeOf<Float32Array<ArrayBuffer>>();
      if (output.datatype === "INT64") expectTypeOf(output.data).toEqualTypeOf<BigInt64Array<ArrayBuffer>>();
    };
    expectTypeOf(narrow).toBeFunction();
  });
});
