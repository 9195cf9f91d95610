CREATE TABLE `signing_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`algorithm` text NOT NULL,
	`type` text NOT NULL,
	`length` integer NOT NULL,
	`kid` text NOT NULL,
	`public_key` text,
	`public_jwk` text,
	`private_enc` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signing_keys_tenant_name_uq` ON `signing_keys` (`tenant_id`,`name`);--> statement-breakpoint
CREATE INDEX `signing_keys_tenant_idx` ON `signing_keys` (`tenant_id`,`created_at`);