import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MODEL_CARD_SECTIONS, modelCard } from "./model-card";

const manifests = readdirSync("models")
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ file: f, card: JSON.parse(readFileSync(`models/${f}`, "utf8")).card }));

describe("model cards", () => {
  it.each(manifests.map((m) => [m.file, m.card]))("%s answers every section of Mitchell et al.", (_, card) => {
    const parsed = modelCard.parse(card);
    for (const { section, fields } of MODEL_CARD_SECTIONS) {
      const answered = fields.filter((field) => parsed[field] !== undefined);
      expect({ section, answered: answered.length > 0 }).toEqual({ section, answered: true });
    }
  });

  it("cover the card's every field in some section, and refuse a card missing one, naming it", () => {
    const mapped = new Set(MODEL_CARD_SECTIONS.flatMap((s) => s.fields));
    expect(Object.keys(modelCard.shape).filter((field) => !mapped.has(field as never))).toEqual([]);
    const { ethicalConsiderations: _, ...missing } = manifests[0].card;
    const result = modelCard.safeParse(missing);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["ethicalConsiderations"]);
    expect(modelCard.safeParse({ ...manifests[0].card, factors: "  " }).success).toBe(false);
  });
});
