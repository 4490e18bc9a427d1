import { SetMetadata } from '@nestjs/common';
import type { Role } from './api-keys';

export const REQUIRED_ROLE = 'cm:required-role';

/** The role a `/v1` handler needs; handlers without it (health, metrics, docs) are public. */
export const RequiresRole = (role: Role): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLE, role);
