/**
 * A model card with every section of Mitchell et al., "Model Cards for Model Reporting" (FAT*
 * 2019), as fields of the manifest's `card`, plus the EU AI Act risk class this project adds.
 * `MODEL_CARD_SECTIONS` maps each of the paper's nine sections to the fields that answer it, so
 * the schema, the generated documentation (npm run docs) and the tests agree on what is complete.
 */
import { z } from "zod";

const text = z.string().trim().min(1);

/** How a model did on data held out from its training (the recipe measures it; the card states it). */
export const cardMetrics = z.object({
  testAccuracy: z.number().min(0).max(1),
  testSamples: z.number().int().positive(),
});

/**
 * How a model trained with differential privacy was trained, and what that guarantees: DP-SGD
 * with Poisson sampling, per-example clipping and Gaussian noise, (ε, δ) from an RDP accountant
 * (src/privacy/dp/rdp.ts computes it from these figures; a test holds the card to it). The unit
 * protected is one training example; `baseline` is the non-private version, for comparison.
 */
export const cardPrivacy = z.object({
  mechanism: z.literal("dp-sgd"),
  epsilon: z.number().positive(),
  delta: z.number().positive().lt(1),
  trainingExamples: z.number().int().positive(),
  sampleRate: z.number().positive().max(1),
  noiseMultiplier: z.number().positive(),
  clippingNorm: z.number().positive(),
  steps: z.number().int().positive(),
  accountant: z.string(),
  baseline: z.object({ version: z.string(), testAccuracy: z.number().min(0).max(1) }),
  caveats: z.string(),
});

export const modelCard = z.object({
  owner: text,
  description: text,
  modelType: text,
  references: text,
  intendedUse: text,
  primaryUsers: text,
  outOfScopeUses: text,
  factors: text,
  performanceMeasures: text,
  evaluationData: text,
  trainingData: text,
  quantitativeAnalyses: text,
  ethicalConsiderations: text,
  limitations: text,
  recommendations: text,
  riskClass: z.enum(["minimal", "limited", "high"]),
  riskRationale: text,
  metrics: cardMetrics.optional(),
  privacy: cardPrivacy.optional(),
});
export type ModelCard = z.infer<typeof modelCard>;

/** Mitchell et al.'s sections, in the paper's order, and the card fields that answer each. */
export const MODEL_CARD_SECTIONS: { section: string; fields: (keyof ModelCard)[] }[] = [
  { section: "Model details", fields: ["owner", "description", "modelType", "references"] },
  { section: "Intended use", fields: ["intendedUse", "primaryUsers", "outOfScopeUses"] },
  { section: "Factors", fields: ["factors"] },
  { section: "Metrics", fields: ["performanceMeasures"] },
  { section: "Evaluation data", fields: ["evaluationData"] },
  { section: "Training data", fields: ["trainingData", "privacy"] },
  { section: "Quantitative analyses", fields: ["quantitativeAnalyses", "metrics"] },
  { section: "Ethical considerations", fields: ["ethicalConsiderations", "riskClass", "riskRationale"] },
  { section: "Caveats and recommendations", fields: ["limitations", "recommendations"] },
];
