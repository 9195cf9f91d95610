CREATE TABLE `registrations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`application_id` text NOT NULL,
	`roles` text NOT NULL,
	`data` text,
	`username` text,
	`verified` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`application_id`) REFERENCES `applications`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registrations_user_app_uq` ON `registrations` (`user_id`,`application_id`);--> statement-breakpoint
CREATE INDEX `registrations_app_idx` ON `registrations` (`application_id`);--> statement-breakpoint
ALTER TABLE `applications` ADD `client_secret_hash` text;