-- AlterTable
ALTER TABLE "RegisteredModel" ADD COLUMN     "liveVersions" INTEGER NOT NULL DEFAULT 0;

-- Backfill: the live versions each existing model has.
UPDATE "RegisteredModel" SET "liveVersions" = (
    SELECT count(*) FROM "ModelVersion" v WHERE v."modelId" = "RegisteredModel"."id" AND v."deletedAt" IS NULL
);
