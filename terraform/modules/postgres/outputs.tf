output "address" {
  description = "Host name of the PostgreSQL server."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the PostgreSQL server."
  value       = aws_db_instance.this.port
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret holding the master credentials (read it, never copy it into code)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}
