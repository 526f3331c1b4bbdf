-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_RegisteredModel" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "nameLower" TEXT NOT NULL,
    "description" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "lastVersion" INTEGER NOT NULL DEFAULT 0,
    "liveVersions" INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "new_RegisteredModel" ("createdAt", "createdBy", "description", "id", "lastVersion", "name", "nameLower", "updatedAt") SELECT "createdAt", "createdBy", "description", "id", "lastVersion", "name", "nameLower", "updatedAt" FROM "RegisteredModel";
DROP TABLE "RegisteredModel";
ALTER TABLE "new_RegisteredModel" RENAME TO "RegisteredModel";
CREATE UNIQUE INDEX "RegisteredModel_name_key" ON "RegisteredModel"("name");
CREATE INDEX "RegisteredModel_nameLower_idx" ON "RegisteredModel"("nameLower");
CREATE INDEX "RegisteredModel_createdAt_idx" ON "RegisteredModel"("createdAt");
CREATE INDEX "RegisteredModel_updatedAt_idx" ON "RegisteredModel"("updatedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Backfill: the live versions each existing model has.
UPDATE "RegisteredModel" SET "liveVersions" = (
    SELECT count(*) FROM "ModelVersion" v WHERE v."modelId" = "RegisteredModel"."id" AND v."deletedAt" IS NULL
);
