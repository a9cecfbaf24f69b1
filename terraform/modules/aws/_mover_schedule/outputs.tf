output "schedule_name" {
  description = "Name of the schedule."
  value       = aws_scheduler_schedule.mover.name
}
