import { Module } from '@nestjs/common';

/** Events -> escalation rules -> alerts: a store subscription whose checkpoint commits with its writes. */
@Module({})
export class AlerterModule {}
