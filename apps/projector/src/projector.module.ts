import { Module } from '@nestjs/common';

/** Events -> read models: a store subscription whose checkpoint commits with its writes. */
@Module({})
export class ProjectorModule {}
